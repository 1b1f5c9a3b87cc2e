"""The bottom of the portal: pieces every app may import and that import no app.

- ``roles``: the portal roles and ``role_required``;
- ``workflow``: the state-machine base every workflow model builds on;
"""
