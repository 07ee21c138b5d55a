"""`./munipay up` points links and reports to the port it serves (the script's set_base_url).

The script is sourced in bash with the database calls replaced by a dictionary
kept in a file, so no PostgreSQL is needed.
"""
import json
import os
import pathlib
import subprocess
import sys

import pytest

SCRIPT = pathlib.Path(__file__).resolve().parent.parent / 'munipay'

FAKE_PARAMS = r'''
source "$SCRIPT"
get_param() { "$PY" -c 'import json, sys; print(json.load(open(sys.argv[1])).get(sys.argv[2], ""))' "$STORE" "$2"; }
set_param() {
    "$PY" -c 'import json, sys; d = json.load(open(sys.argv[1])); d[sys.argv[2]] = sys.argv[3]; json.dump(d, open(sys.argv[1], "w"))' \
        "$STORE" "$2" "$3"
}
set_base_url munipay_demo "$PORT"
'''


def run_up(tmp_path, params, port=8077, base_url=None):
    store = tmp_path / 'params.json'
    store.write_text(json.dumps(params))
    env = {'PATH': '/usr/bin:/bin', 'SCRIPT': str(SCRIPT), 'STORE': str(store), 'PORT': str(port),
           'PY': sys.executable}
    if base_url:
        env['MUNIPAY_BASE_URL'] = base_url
    done = subprocess.run(['bash', '-c', FAKE_PARAMS], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(store.read_text()), done.stderr


def test_new_database_gets_the_served_port(tmp_path):
    params, said = run_up(tmp_path, {})
    assert params == {'web.base.url': 'http://localhost:8077', 'web.base.url.freeze': 'True',
                      'report.url': 'http://localhost:8077'}
    assert 'http://localhost:8077' in said


@pytest.mark.parametrize('odoo_default', ['http://localhost:8069', 'http://127.0.0.1:8069/', 'http://localhost'])
def test_odoo_default_address_is_replaced(tmp_path, odoo_default):
    params, _said = run_up(tmp_path, {'web.base.url': odoo_default, 'report.url': odoo_default}, port=8090)
    assert params['web.base.url'] == 'http://localhost:8090'
    assert params['web.base.url.freeze'] == 'True'
    assert params['report.url'] == 'http://localhost:8090'


def test_address_set_on_purpose_is_kept_and_not_frozen(tmp_path):
    params, said = run_up(tmp_path, {'web.base.url': 'https://pagamenti.comune.example',
                                     'report.url': 'http://odoo-internal:8069'})
    assert params == {'web.base.url': 'https://pagamenti.comune.example', 'report.url': 'http://odoo-internal:8069'}
    assert 'MUNIPAY_BASE_URL' in said


def test_public_address_from_the_environment(tmp_path):
    params, _said = run_up(tmp_path, {'web.base.url': 'https://old.example'}, base_url='https://pay.example')
    assert params['web.base.url'] == 'https://pay.example'
    assert params['web.base.url.freeze'] == 'True'
    assert params['report.url'] == 'http://localhost:8077'  # wkhtmltopdf fetches the styles locally


def test_set_param_quotes_the_value(tmp_path):
    calls = tmp_path / 'calls'
    script = r'''
source "$SCRIPT"
fake_psql() { printf '%s\n' "$@" >> "$CALLS"; }
PSQL=(fake_psql)
set_param munipay_demo web.base.url "http://x/?a='b"
'''
    done = subprocess.run(['bash', '-c', script], env={'PATH': '/usr/bin:/bin', 'SCRIPT': str(SCRIPT),
                                                       'CALLS': str(calls)}, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    sql = calls.read_text()
    assert "VALUES ('web.base.url', 'http://x/?a=''b', 1, 1," in sql
    assert 'ON CONFLICT (key) DO UPDATE' in sql


def test_sourcing_runs_no_command():
    done = subprocess.run(['bash', '-c', 'source "$SCRIPT"; echo sourced'],
                          env={'PATH': '/usr/bin:/bin', 'SCRIPT': str(SCRIPT)}, capture_output=True, text=True)
    assert done.returncode == 0
    assert done.stdout == 'sourced\n'
    assert 'usage' not in done.stderr


# ---------------------------------------------------------------- Odoo on a bare machine
# `up` without an importable Odoo fetches branch 18.0 of ODOO_GIT_URL into the data folder.
# A small local git repository stands in for Odoo's; Python runs without its site-packages
# (-S), so the machine's own Odoo, if any, is not importable; pip and apt are recorded, not run.

FETCH = r'''
source "$SCRIPT"
pip_install() { printf 'pip %s\n' "$*" >> "$CALLS"; [ -z "${PIP_CONSTRAINT:-}" ] || cat $PIP_CONSTRAINT >> "$CALLS"; }
apt_install() { printf 'apt %s\n' "$*" >> "$CALLS"; }
ensure_odoo
printf 'ODOO_PATH=%s\nPYTHONPATH=%s\nversion=%s\n' "$ODOO_PATH" "$PYTHONPATH" "$(odoo_version)"
'''

GIT_ENV = {'GIT_AUTHOR_NAME': 't', 'GIT_AUTHOR_EMAIL': 't@example.org', 'GIT_COMMITTER_NAME': 't',
           'GIT_COMMITTER_EMAIL': 't@example.org', 'GIT_CONFIG_GLOBAL': '/dev/null', 'GIT_CONFIG_NOSYSTEM': '1',
           'HOME': '/nonexistent'}


def git(*args, cwd):
    subprocess.run(['git', *args], cwd=cwd, env={'PATH': '/usr/bin:/bin', **GIT_ENV}, check=True,
                   capture_output=True, text=True)


def odoo_repository(path, version='18.0', branch='18.0'):
    """A stand-in for Odoo's public repository: what `up` needs from it."""
    (path / 'odoo').mkdir(parents=True)
    (path / 'odoo' / '__init__.py').write_text('')
    (path / 'odoo' / 'release.py').write_text('version_info = (%s, 0, 0, "final", 0, "")\nversion = %r\n'
                                              % (version.replace('.', ', '), version))
    (path / 'requirements.txt').write_text('')
    (path / 'odoo-bin').write_text('#!/usr/bin/env python3\n')
    git('init', '-q', cwd=path)
    git('checkout', '-q', '-b', branch, cwd=path)
    git('add', '.', cwd=path)
    git('commit', '-q', '-m', 'Odoo %s' % version, cwd=path)
    return path


def run_fetch(tmp_path, url, data=None):
    python = tmp_path / 'python-without-site'
    python.write_text('#!/bin/sh\nexec %s -S "$@"\n' % sys.executable)
    python.chmod(0o755)
    calls = tmp_path / 'calls'
    calls.write_text('')
    env = {'PATH': '/usr/bin:/bin', 'SCRIPT': str(SCRIPT), 'CALLS': str(calls), 'PYTHON': str(python),
           'MUNIPAY_DATA': str(data or tmp_path / 'data'), 'ODOO_GIT_URL': url, **GIT_ENV}
    done = subprocess.run(['bash', '-c', FETCH], env=env, capture_output=True, text=True, timeout=120)
    return done, calls.read_text()


def test_bare_machine_fetches_odoo_into_the_data_folder(tmp_path):
    repo = odoo_repository(tmp_path / 'odoo-upstream')
    done, calls = run_fetch(tmp_path, repo.as_uri())
    assert done.returncode == 0, done.stderr
    tree = tmp_path / 'data' / 'odoo'
    assert (tree / 'odoo-bin').is_file() and (tree / 'odoo' / 'release.py').is_file()
    assert not (tmp_path / 'data' / 'odoo.partial').exists()
    assert 'ODOO_PATH=%s\n' % tree in done.stdout
    assert 'PYTHONPATH=%s\n' % tree in done.stdout  # exported for every later Odoo call
    assert 'version=18.0\n' in done.stdout
    assert 'fetching Odoo 18.0 Community' in done.stderr and repo.as_uri() in done.stderr
    # Odoo's requirements, built with setuptools < 70 and (as root) Debian's headers
    assert 'pip -r %s/requirements.txt\nsetuptools<70\n' % tree in calls
    if os.geteuid() == 0:
        assert 'apt libpq-dev libldap2-dev libsasl2-dev' in calls

    # the next run uses the fetched tree without fetching again
    again, calls = run_fetch(tmp_path, (tmp_path / 'gone').as_uri())
    assert again.returncode == 0, again.stderr
    assert 'ODOO_PATH=%s\n' % tree in again.stdout and 'version=18.0\n' in again.stdout
    assert 'fetching' not in again.stderr
    assert 'pip -r %s/requirements.txt' % tree in calls


def test_bare_machine_without_network_stops_with_the_clear_message(tmp_path):
    done, calls = run_fetch(tmp_path, (tmp_path / 'unreachable').as_uri())
    assert done.returncode != 0
    assert 'Odoo 18.0 Community is not importable' in done.stderr
    assert 'nothing was created' in done.stderr
    assert 'ODOO_PATH' in done.stderr and 'ODOO_GIT_URL' in done.stderr
    assert not (tmp_path / 'data').exists()
    assert 'pip' not in calls


def test_fetched_tree_of_another_version_is_refused(tmp_path):
    repo = odoo_repository(tmp_path / 'odoo-upstream', version='17.0', branch='18.0')
    done, calls = run_fetch(tmp_path, repo.as_uri())
    assert done.returncode != 0
    assert 'Found Odoo 17.0; munipay needs Odoo 18.0 Community.' in done.stderr
    assert 'pip' not in calls


def test_odoo_path_is_used_without_fetching(tmp_path):
    tree = odoo_repository(tmp_path / 'my-odoo')
    python = tmp_path / 'python-without-site'
    python.write_text('#!/bin/sh\nexec %s -S "$@"\n' % sys.executable)
    python.chmod(0o755)
    env = {'PATH': '/usr/bin:/bin', 'SCRIPT': str(SCRIPT), 'CALLS': str(tmp_path / 'calls'), 'PYTHON': str(python),
           'MUNIPAY_DATA': str(tmp_path / 'data'), 'ODOO_GIT_URL': (tmp_path / 'unreachable').as_uri(),
           'ODOO_PATH': str(tree)}
    done = subprocess.run(['bash', '-c', FETCH], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert 'ODOO_PATH=%s\n' % tree in done.stdout and 'version=18.0\n' in done.stdout
    assert 'fetching' not in done.stderr
    assert not (tmp_path / 'calls').exists()  # a tree of one's own: its requirements are one's own


def test_requirements_install_oca_addons_without_resolving_odoo(tmp_path):
    calls = tmp_path / 'calls'
    script = r'''
source "$SCRIPT"
pip_install() { printf -- '-- %s\n' "$*" >> "$CALLS"; cat "${@: -1}" >> "$CALLS"; }
install_python_requirements
'''
    done = subprocess.run(['bash', '-c', script], env={'PATH': '/usr/bin:/bin', 'SCRIPT': str(SCRIPT),
                                                       'CALLS': str(calls)}, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    _, first, second = calls.read_text().split('-- ')
    first = [line for line in first.splitlines() if line and not line.startswith('#')]
    assert first[0].startswith('-r ') and 'qrcode==7.4.2' in first
    assert not any(line.startswith('odoo-addon-') for line in first)
    assert second.startswith('--no-deps -r ')
    oca = [line for line in second.splitlines()[1:] if line]
    assert oca and all(line.startswith('odoo-addon-') for line in oca)
