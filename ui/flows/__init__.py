"""The window's flows, one module per capability: each function takes the main window,
asks and tells through it, and calls the core. ``MainWindow`` builds the widgets, menus
and wiring and keeps a one-line method per flow that menus, buttons and tests call.

- :mod:`ui.flows.records`: delete (with undo), duplicates and merging
- :mod:`ui.flows.transfer`: list export, the import wizard, Open Referral, report dialogs
- :mod:`ui.flows.privacy`: Art. 15 information, Art. 17 erasure, consent/retention review
- :mod:`ui.flows.places`: geocoding, quarter import
"""
