# Pure logic, importable without Odoo (tested by the project's pure tests).
