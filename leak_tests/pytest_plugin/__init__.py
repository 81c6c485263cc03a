"""The ``leakcheck`` marker, the ``leak_check`` fixture and the ``--leak-*`` options.

Registered through the ``pytest11`` entry point as ``leak_tests.pytest_plugin.plugin``.
"""
