"""The workbench: what users touch on top of the library.

The results store, the batch runner, the report pages, the what-if and the command
line. Nothing below this package imports from it.
"""
