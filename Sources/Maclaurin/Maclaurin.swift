// Maclaurin: neural networks whose input derivatives are first-class.
//
// `import Maclaurin` brings in every module: tensors and kernels, the derivative engine
// (tape and Taylor jets), layers and models, data readers, training (gradient and swarm) and SVG plots.
@_exported import MaclaurinAutodiff
@_exported import MaclaurinData
@_exported import MaclaurinNN
@_exported import MaclaurinPlot
@_exported import MaclaurinTensor
@_exported import MaclaurinTrain
