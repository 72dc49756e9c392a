"""The editor without a screen: what the gallery editor and the caption worklist say and do
below their views. Imports no widget library."""
