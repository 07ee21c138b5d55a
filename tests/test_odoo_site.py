"""An editable Odoo hidden by OCA's `odoo/` folder, found and put back (tools/odoo_site.py).

The Odoo here is a small stand-in source tree installed editable by setuptools' own
PEP 660 backend (what `pip install -e .` does with a recent pip), into a site
folder that a Python started without its own site-packages (`-S`) adds: the import
hook, the path search and the .pth handling are Python's and setuptools' real ones.
"""
import importlib.metadata
import json
import os
import pathlib
import re
import subprocess
import sys
import zipfile

import pytest

REPO = pathlib.Path(__file__).resolve().parent.parent
TOOL = REPO / 'tools' / 'odoo_site.py'

setuptools = pytest.importorskip('setuptools')
from setuptools import build_meta  # noqa: E402

IN_SITE = r'''
import runpy, site, sys
site.addsitedir(sys.argv[1])
if sys.argv[2] == 'probe':
    import odoo, odoo.addons
    print(getattr(odoo, '__file__', None))
    print(','.join(odoo.addons.__path__))
else:
    sys.argv = sys.argv[2:]
    runpy.run_path(sys.argv[0], run_name='__main__')
'''


def in_site(site, *args, cwd):
    done = subprocess.run([sys.executable, '-S', '-c', IN_SITE, str(site), *map(str, args)],
                          env={'PATH': os.environ.get('PATH', '/usr/bin:/bin')}, cwd=cwd,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def odoo_source(root):
    """A stand-in for Odoo's tree: what the detection looks at, and Odoo's setup.py layout."""
    (root / 'odoo' / 'addons').mkdir(parents=True)
    # odoo and odoo/addons gather every odoo/addons folder on the path, as Odoo's do
    extend = 'import pkgutil\n__path__ = pkgutil.extend_path(__path__, __name__)\n'
    (root / 'odoo' / '__init__.py').write_text(extend)
    (root / 'odoo' / 'addons' / '__init__.py').write_text(extend)
    (root / 'odoo' / 'release.py').write_text("version = '18.0'\n")
    (root / 'setup.py').write_text(
        'from setuptools import find_packages, setup\n'
        "setup(name='odoo', version='18.0', packages=find_packages(), package_dir={'odoo': 'odoo'})\n")
    return root


def install_editable(source, site, mode=None):
    """pip install -e SOURCE [--config-settings editable_mode=MODE], without pip or network."""
    wheels = source.parent / 'wheels'
    wheels.mkdir(exist_ok=True)
    here = os.getcwd()
    os.chdir(source)
    try:
        name = build_meta.build_editable(str(wheels), {'editable_mode': mode} if mode else None)
    finally:
        os.chdir(here)
    with zipfile.ZipFile(wheels / name) as wheel:
        wheel.extractall(site)
        dist_info = next(n.split('/')[0] for n in wheel.namelist() if '.dist-info/' in n)
    (site / dist_info / 'direct_url.json').write_text(json.dumps(
        {'url': source.as_uri(), 'dir_info': {'editable': True}}))  # what pip records (PEP 610)
    return site


def oca_addon(site, name='account_statement_import_camt'):
    """What an odoo-addon-* wheel installs: site-packages/odoo/addons/<name>, no __init__.py above."""
    addon = site / 'odoo' / 'addons' / name
    addon.mkdir(parents=True)
    (addon / '__init__.py').write_text('')
    (addon / '__manifest__.py').write_text("{'name': 'x', 'depends': ['account']}\n")
    return addon.parent


@pytest.fixture
def layout(tmp_path):
    if not hasattr(build_meta, 'build_editable'):
        pytest.skip('setuptools without PEP 660 editable installs')
    site = tmp_path / 'site-packages'
    site.mkdir()
    cwd = tmp_path / 'cwd'
    cwd.mkdir()
    return odoo_source(tmp_path / 'odoo-src'), site, cwd


def test_editable_odoo_hidden_by_oca_addons_is_put_back(layout):
    source, site, cwd = layout
    install_editable(source, site)
    assert in_site(site, 'probe', cwd=cwd)[0] == str(source / 'odoo' / '__init__.py')  # fine before OCA
    oca = oca_addon(site)

    hidden_file, _path = in_site(site, 'probe', cwd=cwd)
    assert hidden_file == 'None'  # the bug: `import odoo` is OCA's folder, not Odoo
    assert in_site(site, TOOL, 'state', cwd=cwd) == ['hidden %s' % source]

    pth, = in_site(site, TOOL, 'fix', cwd=cwd)
    assert pth == str(site / 'munipay-odoo-source.pth')
    assert (site / 'munipay-odoo-source.pth').read_text() == '%s\n' % source

    odoo_file, addons = in_site(site, 'probe', cwd=cwd)
    assert odoo_file == str(source / 'odoo' / '__init__.py')
    assert str(oca) in addons.split(',')  # Odoo still imports the OCA add-ons
    assert in_site(site, TOOL, 'state', cwd=cwd) == ['ok %s' % source]
    assert in_site(site, TOOL, 'fix', cwd=cwd) == ['']  # nothing more to do
    assert in_site(site, TOOL, 'addons-path', '/repo/addons', cwd=cwd) == [
        '%s,%s,/repo/addons' % (source / 'odoo' / 'addons', oca)]


def test_editable_odoo_alone_is_fine(layout):
    source, site, cwd = layout
    install_editable(source, site)
    assert in_site(site, TOOL, 'state', cwd=cwd) == ['ok %s' % source]
    assert in_site(site, TOOL, 'fix', cwd=cwd) == ['']
    assert not (site / 'munipay-odoo-source.pth').exists()


def test_compat_mode_is_not_hidden(layout):
    source, site, cwd = layout
    install_editable(source, site, mode='compat')
    oca = oca_addon(site)
    assert in_site(site, TOOL, 'state', cwd=cwd) == ['ok %s' % source]
    assert in_site(site, TOOL, 'fix', cwd=cwd) == ['']
    assert in_site(site, TOOL, 'addons-path', '/r', cwd=cwd) == ['%s,%s,/r' % (source / 'odoo' / 'addons', oca)]


def test_oca_addons_without_odoo_are_missing(layout):
    _source, site, cwd = layout
    oca_addon(site)
    assert in_site(site, TOOL, 'state', cwd=cwd) == ['missing ']
    assert in_site(site, TOOL, 'fix', cwd=cwd) == ['']


def load_tool():
    import importlib.util
    spec = importlib.util.spec_from_file_location('munipay_odoo_site', TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize('direct_url, editable', [
    ({'dir_info': {'editable': True}}, True),
    ({'dir_info': {}}, False),  # pip install . (not editable): Odoo is in site-packages itself
    ({'url': 'https://example.org/odoo.tar.gz', 'archive_info': {}}, False),
    (None, False),
])
def test_editable_source_reads_pep_610(tmp_path, direct_url, editable):
    tool = load_tool()
    source = odoo_source(tmp_path / 'src')
    dist_info = tmp_path / 'site' / 'odoo-18.0.dist-info'
    dist_info.mkdir(parents=True)
    (dist_info / 'METADATA').write_text('Metadata-Version: 2.1\nName: odoo\nVersion: 18.0\n')
    if direct_url is not None:
        direct_url.setdefault('url', source.as_uri())
        (dist_info / 'direct_url.json').write_text(json.dumps(direct_url))
    dist = importlib.metadata.PathDistribution(dist_info)
    assert tool.editable_source(dist) == (str(source) if editable else None)


def test_editable_source_needs_an_odoo_tree(tmp_path):
    tool = load_tool()
    dist_info = tmp_path / 'odoo-18.0.dist-info'
    dist_info.mkdir()
    (dist_info / 'direct_url.json').write_text(json.dumps(
        {'url': tmp_path.as_uri(), 'dir_info': {'editable': True}}))
    assert tool.editable_source(importlib.metadata.PathDistribution(dist_info)) is None


def test_extra_addons_paths_skip_odoo_and_empty_folders(tmp_path):
    tool = load_tool()
    source = odoo_source(tmp_path / 'src')
    (source / 'odoo' / 'addons' / 'base').mkdir()
    (source / 'odoo' / 'addons' / 'base' / '__manifest__.py').write_text('{}')
    empty = tmp_path / 'empty'
    (empty / 'odoo' / 'addons').mkdir(parents=True)
    site = tmp_path / 'site'
    oca = oca_addon(site)
    assert tool.extra_addons_paths(str(source), [str(source), str(empty), str(site), str(site)]) == [str(oca)]


REQUIREMENTS = (REPO / 'requirements.txt').read_text()
OCA_PINS = dict(re.findall(r'^(odoo-addon-[\w-]+)==(\S+)$', REQUIREMENTS, re.M))


def test_oca_addons_are_pinned_for_odoo_18():
    lines = [line for line in REQUIREMENTS.splitlines() if line.startswith('odoo-addon-')]
    assert len(lines) == len(OCA_PINS) >= 2
    assert all(version.startswith('18.0.') for version in OCA_PINS.values())


def normal(name):
    return re.sub(r'[-_.]+', '-', name).lower()


def test_installed_oca_addons_need_nothing_unpinned():
    """requirements.txt holds every odoo-addon-* the pinned ones require (they install with --no-deps)."""
    pinned = {normal(n): v for n, v in OCA_PINS.items()}
    checked = 0
    for name, version in OCA_PINS.items():
        try:
            dist = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            continue
        checked += 1
        assert dist.version == version, name
        for requirement in dist.requires or ():
            wanted = normal(re.split(r'[\s;<>=!~\[(]', requirement, maxsplit=1)[0])
            assert wanted == 'odoo' or wanted in pinned, '%s needs %s' % (name, requirement)
    if not checked:
        pytest.skip('the OCA add-ons are not installed in this Python')
