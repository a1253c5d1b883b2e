// MaclaurinNN
