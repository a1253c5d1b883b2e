// Maclaurin
