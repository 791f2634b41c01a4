"""Drawn at reset: the episode tape (emails, surges, shift) from one block of uniforms.

Compiled as *tape builders* (with numba's runtime, :mod:`helixdesk.simulator.jit`); nothing
here runs while an episode steps.
"""
