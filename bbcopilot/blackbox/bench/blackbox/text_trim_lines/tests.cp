MODULE BenchTextTrimTest;

	IMPORT TextModels, BenchCheck, BenchTextTrim;

	CONST line = TextModels.line; para = TextModels.para; tab = TextModels.tab;

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

	(* Case `case`: trimming a text of `before` deletes n characters and leaves `after`. *)
	PROCEDURE Check (case: INTEGER; IN before, after: ARRAY OF CHAR; n: INTEGER);
		VAR t: TextModels.Model; got: INTEGER; s: ARRAY 256 OF CHAR;
	BEGIN
		t := NewText(before); got := BenchTextTrim.TrimLines(t); Contents(t, s);
		IF got # n THEN BenchCheck.Int(case, got, n) ELSE BenchCheck.Str(case, s, after) END
	END Check;

	PROCEDURE Run*;
	BEGIN
		Check(1, "a  " + line + "b ", "a" + line + "b", 3);
		Check(2, "", "", 0);
		Check(3, "no blanks" + line + "here", "no blanks" + line + "here", 0);
		Check(4, "  keep  the  middle" + tab + " ", "  keep  the  middle", 2);
		Check(5, "x" + tab + para + "   " + line + "y", "x" + para + line + "y", 4);
		Check(6, "   ", "", 3);
		Check(7, line + " " + line + "end" + line, line + line + "end" + line, 1)
	END Run;

END BenchTextTrimTest.
