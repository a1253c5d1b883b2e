// MaclaurinTensor
