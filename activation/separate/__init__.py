"""Activation with a separate business MitID (*særskilt MitID*, G7.1–G7.10) and logging in with
the bruger-ID and the bound means afterwards."""
