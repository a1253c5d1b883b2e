// MaclaurinData
