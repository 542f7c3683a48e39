using Zuna.Fuzz;

// Two uses:
//   seeds <shared-dir> <out-dir>     write small seed inputs for every reader (see SeedMaker)
//   <input-file> | under libFuzzer    run one input, or loop on libFuzzer's inputs (ZUNA_FUZZ_READER names the reader)
//   time <reader> <dir> [rounds]     (plain build) milliseconds per input of a corpus: where a reader's executions go
if (args.Length == 3 && args[0] == "seeds")
{
    SeedMaker.Write(args[1], args[2]);
    return 0;
}
if (args.Length >= 3 && args[0] == "time")
{
    CorpusTimer.Run(FuzzTarget.For(args[1]), args[2], args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 3);
    return 0;
}
string readerName = Environment.GetEnvironmentVariable("ZUNA_FUZZ_READER")
    ?? throw new InvalidOperationException("set ZUNA_FUZZ_READER to a reader's format or file extension, e.g. fif, edf, bdf, vhdr, csv, safetensors");
// Zuna.Engine is instrumented: none of its code may run before SharpFuzz has attached the coverage map, so the
// reader is looked up on the first input.
FuzzTarget? target = null;
SharpFuzz.Fuzzer.LibFuzzer.Run(data => (target ??= FuzzTarget.For(readerName)).RunOne(data));
return 0;
