"""optoracle: a verified reference spec and test oracle for the "Optimization methods" assignment."""
__version__ = "0.1.0"
