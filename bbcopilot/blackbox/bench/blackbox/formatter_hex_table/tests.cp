MODULE BenchFormatHexTest;

	IMPORT TextModels, BenchCheck, BenchFormatHex;

	CONST tab = TextModels.tab; line = TextModels.line;

	PROCEDURE Contents (t: TextModels.Model; OUT s: ARRAY OF CHAR);
		VAR r: TextModels.Reader; i: INTEGER; ch: CHAR;
	BEGIN
		r := t.NewReader(NIL); r.SetPos(0); i := 0; r.ReadChar(ch);
		WHILE ~r.eot & (i < LEN(s) - 1) DO s[i] := ch; INC(i); r.ReadChar(ch) END;
		s[i] := 0X
	END Contents;

	PROCEDURE Run*;
		VAR xs: ARRAY 4 OF INTEGER; s: ARRAY 256 OF CHAR;
	BEGIN
		xs[0] := 255; xs[1] := 10; xs[2] := 0; xs[3] := 65536;
		Contents(BenchFormatHex.Table(xs, 2), s);
		BenchCheck.Str(1, s, "255" + tab + "FFH" + line + "10" + tab + "AH" + line);
		Contents(BenchFormatHex.Table(xs, 0), s);
		BenchCheck.Str(2, s, "");
		Contents(BenchFormatHex.Table(xs, 4), s);
		BenchCheck.Str(3, s, "255" + tab + "FFH" + line + "10" + tab + "AH" + line + "0" + tab + "0H" + line
			+ "65536" + tab + "10000H" + line);
		xs[0] := MAX(INTEGER); Contents(BenchFormatHex.Table(xs, 1), s);
		BenchCheck.Str(4, s, "2147483647" + tab + "7FFFFFFFH" + line);
		xs[0] := 9; Contents(BenchFormatHex.Table(xs, 1), s);
		BenchCheck.Str(5, s, "9" + tab + "9H" + line)
	END Run;

END BenchFormatHexTest.
