MODULE BenchDigitSetTest;

	IMPORT BenchCheck, BenchDigitSet;

	PROCEDURE Check (case, n: INTEGER; IN want: ARRAY OF CHAR);
		VAR s: ARRAY 64 OF CHAR;
	BEGIN
		BenchDigitSet.Digits(n, s); BenchCheck.Str(case, s, want)
	END Check;

	PROCEDURE Run*;
	BEGIN
		Check(1, 12358, "{1..3, 5, 8}");
		Check(2, 0, "{0}");
		Check(3, -9081, "{0, 1, 8, 9}");
		Check(4, 1234567890, "{0..9}");
		Check(5, 1211, "{1, 2}");
		Check(6, 7, "{7}");
		Check(7, 5649, "{4..6, 9}")
	END Run;

END BenchDigitSetTest.
