// Local stand-in (untracked): main commits the real EventModelBenchmark.
print("EventModelBenchmark is not on this branch")
