"""`./munipay up` points links and reports to the port it serves (the script's set_base_url).

The script is sourced in bash with the database calls replaced by a dictionary
kept in a file, so no PostgreSQL is needed.
"""
import json
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
