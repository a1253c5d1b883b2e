// MaclaurinAutodiff
