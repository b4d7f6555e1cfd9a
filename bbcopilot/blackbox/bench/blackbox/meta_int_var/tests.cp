MODULE BenchMetaIntVarTest;

	IMPORT BenchCheck, BenchMetaIntVar;

	VAR
		count*: INTEGER;
		limit-: INTEGER; (* read-only export: reading it is allowed *)
		ratio*: REAL;
		hidden: INTEGER; (* not exported: Meta does not see it *)

	PROCEDURE Run*;
		VAR ok: BOOLEAN; x: INTEGER;
	BEGIN
		count := 42; limit := -7; ratio := 2.5; hidden := 1;
		x := BenchMetaIntVar.IntVar("BenchMetaIntVarTest.count", ok); BenchCheck.True(1, ok & (x = 42));
		x := BenchMetaIntVar.IntVar("BenchMetaIntVarTest.limit", ok); BenchCheck.True(2, ok & (x = -7));
		x := BenchMetaIntVar.IntVar("BenchMetaIntVarTest.missing", ok); BenchCheck.True(3, ~ok & (x = 0));
		x := BenchMetaIntVar.IntVar("BenchMetaIntVarTest.hidden", ok); BenchCheck.True(4, ~ok & (x = 0));
		x := BenchMetaIntVar.IntVar("BenchMetaIntVarTest.Run", ok); BenchCheck.True(5, ~ok & (x = 0));
		x := BenchMetaIntVar.IntVar("BenchNoSuchModule.count", ok); BenchCheck.True(6, ~ok & (x = 0));
		x := BenchMetaIntVar.IntVar("BenchMetaIntVarTest.ratio", ok); BenchCheck.True(7, ~ok & (x = 0))
	END Run;

END BenchMetaIntVarTest.
