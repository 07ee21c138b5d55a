"""Where Odoo and the OCA add-ons are, for the `munipay` script.

OCA publishes its add-ons as `odoo-addon-<name>` wheels that install into
`<site-packages>/odoo/addons/<name>`, with no `__init__.py` in `odoo/`. When Odoo
itself was installed as Odoo's documentation says (`pip install -e .` in its
source tree), recent setuptools make that an editable install served by an
import hook that Python consults only after its path search. The path search
finds the `odoo/` folder of the add-ons first and returns it as a namespace
package: `import odoo` then no longer gives Odoo. Odoo installed in compat mode
(`--config-settings editable_mode=compat`, or the older `setup.py develop`)
puts its tree on `sys.path` instead, where a real package always wins over a
namespace folder, and nothing is hidden.

`state()` tells which case this Python is in; `fix()` repairs the hidden case
the way compat mode would: a `.pth` file beside the `odoo` distribution that
puts Odoo's source tree on the path. `extra_addons_paths()` lists the
`odoo/addons` folders, outside Odoo's own tree, that hold add-ons (OCA's).

Run as a script: `odoo_site.py state|fix|addons-path REPO_ADDONS`.
"""
import importlib.metadata
import importlib.util
import json
import os
import sys
from urllib.parse import unquote, urlparse

PTH_NAME = 'munipay-odoo-source.pth'


def is_odoo_tree(path):
    """A source tree holding Odoo's own package (odoo/__init__.py and odoo/release.py)."""
    return bool(path) and all(
        os.path.isfile(os.path.join(path, 'odoo', name)) for name in ('__init__.py', 'release.py'))


def editable_source(dist):
    """The source tree of an editable install of `dist` (PEP 610 direct_url.json), or None."""
    try:
        info = json.loads(dist.read_text('direct_url.json') or 'null')
    except ValueError:
        return None
    if not isinstance(info, dict) or not (info.get('dir_info') or {}).get('editable'):
        return None
    url = urlparse(info.get('url') or '')
    if url.scheme != 'file':
        return None
    path = os.path.normpath(unquote(url.path))
    return path if is_odoo_tree(path) else None


def odoo_distribution():
    try:
        return importlib.metadata.distribution('odoo')
    except importlib.metadata.PackageNotFoundError:
        return None


def state():
    """('ok', tree) | ('hidden', tree) | ('missing', None).

    'ok': `import odoo` finds Odoo's own package (in `tree`).
    'hidden': an editable Odoo (in `tree`) is installed, but `import odoo`
    resolves to `odoo/` folders without Odoo (OCA's add-ons).
    """
    spec = importlib.util.find_spec('odoo')
    if spec is not None and spec.origin and os.path.basename(spec.origin) == '__init__.py':
        return 'ok', os.path.dirname(os.path.dirname(os.path.abspath(spec.origin)))
    dist = odoo_distribution()
    tree = editable_source(dist) if dist is not None else None
    if tree:
        return 'hidden', tree
    return 'missing', None


def fix():
    """Put the hidden editable Odoo's tree on the path; return the .pth file written (or None)."""
    status, tree = state()
    if status != 'hidden':
        return None
    site_dir = str(odoo_distribution().locate_file(''))
    pth = os.path.join(site_dir, PTH_NAME)
    with open(pth, 'w', encoding='utf-8') as f:
        f.write(tree + '\n')
    return pth


def has_addons(folder):
    try:
        names = os.listdir(folder)
    except OSError:
        return False
    return any(os.path.isfile(os.path.join(folder, n, '__manifest__.py')) for n in names)


def extra_addons_paths(odoo_root, search_path):
    """`odoo/addons` folders on `search_path` that hold add-ons, Odoo's own tree excluded."""
    own = os.path.realpath(os.path.join(odoo_root, 'odoo', 'addons'))
    found = []
    for entry in search_path:
        folder = os.path.realpath(os.path.join(entry or os.curdir, 'odoo', 'addons'))
        if folder != own and folder not in found and has_addons(folder):
            found.append(folder)
    return found


def addons_path(repo_addons):
    """The --addons-path for Odoo: Odoo's add-ons, OCA's, then the repository's."""
    import odoo  # noqa: PLC0415 - only when asked, Odoo must be importable here
    root = os.path.dirname(os.path.dirname(os.path.abspath(odoo.__file__)))
    own = [p for p in (os.path.join(root, 'addons'), os.path.join(root, 'odoo', 'addons')) if os.path.isdir(p)]
    return own + extra_addons_paths(root, sys.path) + [repo_addons]


def main(argv):
    command = argv[1] if len(argv) > 1 else ''
    if command == 'state':
        status, tree = state()
        print(status, tree or '')
    elif command == 'fix':
        pth = fix()
        print(pth or '')
    elif command == 'addons-path' and len(argv) == 3:
        print(','.join(addons_path(argv[2])))
    else:
        print('usage: odoo_site.py state | fix | addons-path REPO_ADDONS', file=sys.stderr)
        return 2
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
