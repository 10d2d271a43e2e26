print("vmtrust")
