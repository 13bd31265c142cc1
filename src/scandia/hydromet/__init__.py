"""Hydrometallurgy: leach routes (registry in :mod:`scandia.hydromet.routes`), washing, solvent extraction,
purification and calcination to Sc2O3 and a mixed rare-earth oxide."""
