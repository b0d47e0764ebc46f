"""Jitted array-to-array kernels of :mod:`frontier`.

Kernels see arrays and static arguments only: no validation, no I/O, no maximise flags
(every objective is minimised). The public wrappers in :mod:`frontier` validate inputs
and call these.
"""
