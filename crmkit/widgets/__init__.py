"""ipywidgets front ends; each is a thin view over a plain, tested controller."""
