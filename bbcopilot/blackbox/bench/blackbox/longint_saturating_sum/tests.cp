MODULE BenchSaturatingSumTest;

	IMPORT BenchCheck, BenchTypes, BenchSaturatingSum;

	VAR a: BenchTypes.IntList;

	PROCEDURE List3 (x, y, z: INTEGER);
	BEGIN
		NEW(a, 3); a[0] := x; a[1] := y; a[2] := z
	END List3;

	PROCEDURE List2 (x, y: INTEGER);
	BEGIN
		NEW(a, 2); a[0] := x; a[1] := y
	END List2;

	PROCEDURE Run*;
	BEGIN
		List3(1, 2, 3); BenchCheck.Int(1, BenchSaturatingSum.SaturatingSum(a), 6);
		List2(MAX(INTEGER), 1); BenchCheck.Int(2, BenchSaturatingSum.SaturatingSum(a), MAX(INTEGER));
		List2(MIN(INTEGER), -1); BenchCheck.Int(3, BenchSaturatingSum.SaturatingSum(a), MIN(INTEGER));
		List3(2000000000, 2000000000, -2000000000); BenchCheck.Int(4, BenchSaturatingSum.SaturatingSum(a), 2000000000);
		List3(MAX(INTEGER), MAX(INTEGER), MAX(INTEGER)); BenchCheck.Int(5, BenchSaturatingSum.SaturatingSum(a), MAX(INTEGER));
		List2(MIN(INTEGER), 0); BenchCheck.Int(6, BenchSaturatingSum.SaturatingSum(a), MIN(INTEGER));
		List3(-5, 0, 0); BenchCheck.Int(7, BenchSaturatingSum.SaturatingSum(a), -5)
	END Run;

END BenchSaturatingSumTest.
