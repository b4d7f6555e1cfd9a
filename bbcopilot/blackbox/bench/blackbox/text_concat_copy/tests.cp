MODULE BenchTextConcatTest;

	IMPORT Ports, TextModels, BenchCheck, BenchTextConcat;

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

	PROCEDURE ColorAt (t: TextModels.Model; pos: INTEGER): Ports.Color;
		VAR r: TextModels.Reader; ch: CHAR;
	BEGIN
		r := t.NewReader(NIL); r.SetPos(pos); r.ReadChar(ch);
		RETURN r.attr.color
	END ColorAt;

	PROCEDURE Run*;
		VAR a, b, t: TextModels.Model; s: ARRAY 256 OF CHAR;
	BEGIN
		a := NewText("Hello"); b := NewText("world");
		t := BenchTextConcat.Concat(a, b); Contents(t, s);
		BenchCheck.Str(1, s, "Hello" + TextModels.line + "world");
		Contents(a, s); BenchCheck.Str(2, s, "Hello");
		Contents(b, s); BenchCheck.Str(3, s, "world");
		t := BenchTextConcat.Concat(TextModels.dir.New(), TextModels.dir.New()); Contents(t, s);
		BenchCheck.Str(4, s, TextModels.line);
		a := NewText("red! plain"); a.SetAttr(0, 4, TextModels.NewColor(a.NewWriter(NIL).attr, Ports.red));
		t := BenchTextConcat.Concat(NewText("x"), a);
		BenchCheck.True(5, (t.Length() = 12) & (ColorAt(t, 2) = Ports.red) & (ColorAt(t, 5) = Ports.red)
			& (ColorAt(t, 7) = Ports.defaultColor));
		a := NewText("same"); t := BenchTextConcat.Concat(a, a); Contents(t, s);
		BenchCheck.Str(6, s, "same" + TextModels.line + "same")
	END Run;

END BenchTextConcatTest.
