MODULE BenchScanSumTest;

	IMPORT TextModels, BenchCheck, BenchScanSum;

	PROCEDURE NewText (IN s: ARRAY OF CHAR): TextModels.Model;
		VAR t: TextModels.Model; w: TextModels.Writer; i: INTEGER;
	BEGIN
		t := TextModels.dir.New(); w := t.NewWriter(NIL); i := 0;
		WHILE s[i] # 0X DO w.WriteChar(s[i]); INC(i) END;
		RETURN t
	END NewText;

	PROCEDURE Run*;
	BEGIN
		BenchCheck.Int(1, BenchScanSum.Sum(NewText("5 apples, 10 pears and -2")), 13);
		BenchCheck.Int(2, BenchScanSum.Sum(TextModels.dir.New()), 0);
		BenchCheck.Int(3, BenchScanSum.Sum(NewText("1 2 3 4")), 10);
		BenchCheck.Int(4, BenchScanSum.Sum(NewText("x1 = 1.5; y = 2" + TextModels.line + "z = 3" + TextModels.line)), 5);
		BenchCheck.Int(5, BenchScanSum.Sum(NewText("mask 0FFH plus 1")), 256);
		BenchCheck.Int(6, BenchScanSum.Sum(NewText('"12" and 7 ')), 7);
		BenchCheck.Int(7, BenchScanSum.Sum(NewText("no numbers here")), 0)
	END Run;

END BenchScanSumTest.
