MODULE BenchTextReplaceTest;

	IMPORT TextModels, BenchCheck, BenchTextReplace;

	PROCEDURE NewText (IN s: ARRAY OF CHAR): TextModels.Model;
		VAR t: TextModels.Model; w: TextModels.Writer; i: INTEGER;
	BEGIN
		t := TextModels.dir.New(); w := t.NewWriter(NIL); i := 0;
		WHILE s[i] # 0X DO w.WriteChar(s[i]); INC(i) END;
		RETURN t
	END NewText;

	PROCEDURE Contents (t: TextModels.Model; OUT s: ARRAY OF CHAR);
		VAR r: TextModels.Reader; i: INTEGER; ch: CHAR;
	BEGIN
		r := t.NewReader(NIL); r.SetPos(0); i := 0; r.ReadChar(ch);
		WHILE ~r.eot & (i < LEN(s) - 1) DO s[i] := ch; INC(i); r.ReadChar(ch) END;
		s[i] := 0X
	END Contents;

	(* Case `case`: replacing old by new in a text of `before` replaces n and leaves `after`. *)
	PROCEDURE Check (case: INTEGER; IN before, old, new, after: ARRAY OF CHAR; n: INTEGER);
		VAR t: TextModels.Model; got: INTEGER; s: ARRAY 256 OF CHAR;
	BEGIN
		t := NewText(before); got := BenchTextReplace.ReplaceAll(t, old, new); Contents(t, s);
		IF got # n THEN BenchCheck.Int(case, got, n) ELSE BenchCheck.Str(case, s, after) END
	END Check;

	PROCEDURE Run*;
	BEGIN
		Check(1, "a cat and a cat", "cat", "dog", "a dog and a dog", 2);
		Check(2, "nothing here", "cat", "dog", "nothing here", 0);
		Check(3, "aXa", "a", "aa", "aaXaa", 2);
		Check(4, "aaa", "aa", "b", "ba", 1);
		Check(5, "x, y, z", ", ", "", "xyz", 2);
		Check(6, "end", "end", "fin", "fin", 1);
		Check(7, "", "a", "b", "", 0);
		Check(8, "one" + TextModels.line + "two" + TextModels.line, TextModels.line, " ", "one two ", 2)
	END Run;

END BenchTextReplaceTest.
