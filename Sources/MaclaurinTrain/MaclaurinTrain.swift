// MaclaurinTrain
