print("maclaurin")
