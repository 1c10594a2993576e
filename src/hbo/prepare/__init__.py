"""Preparation off to the side of training: public models and data fetched from the package registry."""
