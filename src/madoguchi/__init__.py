"""Madoguchi (窓口): one service window for every customer of an online marketplace."""

__version__ = "0.1.0"
