"""The bottom of the portal: pieces every app may import and that import no app.

- ``roles``: the portal roles and ``role_required``;
- ``workflow``: the state-machine base every workflow model builds on;
- ``periods``: month, quarter and year bounds on the local calendar, ``add_months``;
- ``personal_data``: the phone number rule and the masks of ID and phone numbers;
- ``aggregates``: county-scale figures kept in the shared cache, refreshed in the background.
- ``spreadsheets``: the one spreadsheet writer every export uses.
"""
