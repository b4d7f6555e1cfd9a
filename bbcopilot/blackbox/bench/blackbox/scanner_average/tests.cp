MODULE BenchScanMeanTest;

	IMPORT TextModels, BenchCheck, BenchScanMean;

	PROCEDURE NewText (IN s: ARRAY OF CHAR): TextModels.Model;
		VAR t: TextModels.Model; w: TextModels.Writer; i: INTEGER;
	BEGIN
		t := TextModels.dir.New(); w := t.NewWriter(NIL); i := 0;
		WHILE s[i] # 0X DO w.WriteChar(s[i]); INC(i) END;
		RETURN t
	END NewText;

	PROCEDURE Run*;
	BEGIN
		BenchCheck.Real(1, BenchScanMean.Average(NewText("x = 1, y = 2.5 and 4.5")), 8 / 3);
		BenchCheck.Real(2, BenchScanMean.Average(NewText("1 2 3 4")), 2.5);
		BenchCheck.Real(3, BenchScanMean.Average(NewText("1.5 2.5")), 2.0);
		BenchCheck.Real(4, BenchScanMean.Average(TextModels.dir.New()), 0);
		BenchCheck.Real(5, BenchScanMean.Average(NewText("words only, no numbers")), 0);
		BenchCheck.Real(6, BenchScanMean.Average(NewText("-1 1" + TextModels.line + "-3 3")), 0);
		BenchCheck.Real(7, BenchScanMean.Average(NewText("1.0E2 and 50")), 75)
	END Run;

END BenchScanMeanTest.
