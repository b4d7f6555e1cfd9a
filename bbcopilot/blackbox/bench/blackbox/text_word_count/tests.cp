MODULE BenchTextWordsTest;

	IMPORT TextModels, BenchCheck, BenchTextWords;

	PROCEDURE NewText (IN s: ARRAY OF CHAR): TextModels.Model;
		VAR t: TextModels.Model; w: TextModels.Writer; i: INTEGER;
	BEGIN
		t := TextModels.dir.New(); w := t.NewWriter(NIL); i := 0;
		WHILE s[i] # 0X DO w.WriteChar(s[i]); INC(i) END;
		RETURN t
	END NewText;

	PROCEDURE Run*;
		VAR t: TextModels.Model; w: TextModels.Writer; i: INTEGER;
	BEGIN
		BenchCheck.Int(1, BenchTextWords.CountWords(NewText("one two" + TextModels.line + "three")), 3);
		BenchCheck.Int(2, BenchTextWords.CountWords(TextModels.dir.New()), 0);
		BenchCheck.Int(3, BenchTextWords.CountWords(NewText("   lead  and   trail   ")), 3);
		BenchCheck.Int(4, BenchTextWords.CountWords(
			NewText("a" + TextModels.tab + "b" + TextModels.para + "c" + TextModels.line + TextModels.line + "d")), 4);
		t := TextModels.dir.New(); w := t.NewWriter(NIL);
		FOR i := 1 TO 1000 DO w.WriteChar("w"); w.WriteChar(TextModels.line) END;
		BenchCheck.Int(5, BenchTextWords.CountWords(t), 1000);
		t := NewText("x" + TextModels.line + "y"); w := t.NewWriter(NIL); w.SetPos(0); w.WriteChar("z");
		BenchCheck.Int(6, BenchTextWords.CountWords(t), 2)
	END Run;

END BenchTextWordsTest.
