"""End-to-end tests: drive a running Odoo server over XML-RPC, as a real client would.

setup/test.sh starts a throwaway server and sets ICASA_URL, ICASA_DB, ICASA_LOGIN
and ICASA_PASSWORD. Run alone, the tests fail (not skip) when no server is given.
"""

import os
import xmlrpc.client

import pytest


class OdooClient:
    def __init__(self, url, db, login, password):
        self.url, self.db, self.password = url, db, password
        common = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/common", allow_none=True)
        self.uid = common.authenticate(db, login, password, {})
        if not self.uid:
            raise RuntimeError(f"cannot log in to {url} database {db} as {login}")
        self.models = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/object", allow_none=True)

    def call(self, model, method, *args, **kwargs):
        return self.models.execute_kw(self.db, self.uid, self.password, model, method, list(args), kwargs)

    def ref(self, xmlid):
        module, name = xmlid.split(".")
        domain = [("module", "=", module), ("name", "=", name)]
        rows = self.call("ir.model.data", "search_read", domain, fields=["res_id"])
        assert rows, f"no record {xmlid}"
        return rows[0]["res_id"]


@pytest.fixture(scope="session")
def odoo():
    url = os.environ.get("ICASA_URL")
    if not url:
        pytest.fail("ICASA_URL is not set: run the end-to-end tests through setup/test.sh")
    return OdooClient(url, os.environ["ICASA_DB"], os.environ["ICASA_LOGIN"], os.environ["ICASA_PASSWORD"])
