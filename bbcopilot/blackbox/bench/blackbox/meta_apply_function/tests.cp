MODULE BenchMetaApplyTest;

	IMPORT BenchCheck, BenchMetaApply;

	VAR factor*: REAL;

	PROCEDURE Twice* (x: REAL): REAL;
	BEGIN
		RETURN 2 * x
	END Twice;

	PROCEDURE Count* (n: INTEGER): INTEGER;
	BEGIN
		RETURN n + 1
	END Count;

	PROCEDURE Run*;
		VAR ok: BOOLEAN; y: REAL;
	BEGIN
		factor := 3;
		y := BenchMetaApply.Apply("Math.Sqrt", 16, ok); BenchCheck.True(1, ok & (ABS(y - 4) < 1.0E-12));
		y := BenchMetaApply.Apply("BenchMetaApplyTest.Twice", -1.5, ok); BenchCheck.True(2, ok & (y = -3));
		y := BenchMetaApply.Apply("Math.Exp", 0, ok); BenchCheck.True(3, ok & (ABS(y - 1) < 1.0E-12));
		y := BenchMetaApply.Apply("Math.NoSuchProc", 1, ok); BenchCheck.True(4, ~ok & (y = 0));
		y := BenchMetaApply.Apply("BenchMetaApplyTest.factor", 1, ok); BenchCheck.True(5, ~ok & (y = 0));
		y := BenchMetaApply.Apply("BenchMetaApplyTest.Count", 1, ok); BenchCheck.True(6, ~ok & (y = 0));
		y := BenchMetaApply.Apply("Math.Pi", 1, ok); BenchCheck.True(7, ~ok & (y = 0))
	END Run;

END BenchMetaApplyTest.
