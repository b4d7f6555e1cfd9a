MODULE BenchParseOrTest;

	IMPORT BenchCheck, BenchParseOr;

	PROCEDURE Run*;
	BEGIN
		BenchCheck.Int(1, BenchParseOr.ParseOr("42", -1), 42);
		BenchCheck.Int(2, BenchParseOr.ParseOr("-17", 0), -17);
		BenchCheck.Int(3, BenchParseOr.ParseOr("0", 7), 0);
		BenchCheck.Int(4, BenchParseOr.ParseOr("abc", -1), -1);
		BenchCheck.Int(5, BenchParseOr.ParseOr("4x2", -1), -1);
		BenchCheck.Int(6, BenchParseOr.ParseOr("99999999999", -1), -1);
		BenchCheck.Int(7, BenchParseOr.ParseOr("0FFH", -1), 255);
		BenchCheck.Int(8, BenchParseOr.ParseOr("", 5), 5)
	END Run;

END BenchParseOrTest.
