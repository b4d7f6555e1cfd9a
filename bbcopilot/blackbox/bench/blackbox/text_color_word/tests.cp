MODULE BenchTextColorTest;

	IMPORT Fonts, Ports, TextModels, BenchCheck, BenchTextColor;

	PROCEDURE NewText (IN s: ARRAY OF CHAR): TextModels.Model;
		VAR t: TextModels.Model; w: TextModels.Writer; i: INTEGER;
	BEGIN
		t := TextModels.dir.New(); w := t.NewWriter(NIL); i := 0;
		WHILE s[i] # 0X DO w.WriteChar(s[i]); INC(i) END;
		RETURN t
	END NewText;

	(* The colors of t's characters, one letter each: r red, b blue, d the default color, ? any other. *)
	PROCEDURE Colors (t: TextModels.Model; OUT s: ARRAY OF CHAR);
		VAR r: TextModels.Reader; i: INTEGER; ch: CHAR;
	BEGIN
		r := t.NewReader(NIL); r.SetPos(0); i := 0; r.ReadChar(ch);
		WHILE ~r.eot & (i < LEN(s) - 1) DO
			IF r.attr.color = Ports.red THEN s[i] := "r"
			ELSIF r.attr.color = Ports.blue THEN s[i] := "b"
			ELSIF r.attr.color = Ports.defaultColor THEN s[i] := "d"
			ELSE s[i] := "?"
			END;
			INC(i); r.ReadChar(ch)
		END;
		s[i] := 0X
	END Colors;

	PROCEDURE OffsetAt (t: TextModels.Model; pos: INTEGER): INTEGER;
		VAR r: TextModels.Reader; ch: CHAR;
	BEGIN
		r := t.NewReader(NIL); r.SetPos(pos); r.ReadChar(ch);
		RETURN r.attr.offset
	END OffsetAt;

	PROCEDURE Run*;
		VAR t: TextModels.Model; n: INTEGER; s: ARRAY 64 OF CHAR;
	BEGIN
		t := NewText("to be or not to be"); n := BenchTextColor.Highlight(t, "be", Ports.red); Colors(t, s);
		BenchCheck.Int(1, n, 2);
		BenchCheck.Str(2, s, "dddrrdddddddddddrr");
		t := NewText("nothing"); n := BenchTextColor.Highlight(t, "be", Ports.red); Colors(t, s);
		BenchCheck.True(3, (n = 0) & (s = "ddddddd"));
		t := NewText("x^2 + y^2");
		t.SetAttr(2, 3, TextModels.NewOffset(t.NewWriter(NIL).attr, 3 * Fonts.point));
		t.SetAttr(8, 9, TextModels.NewOffset(t.NewWriter(NIL).attr, 3 * Fonts.point));
		n := BenchTextColor.Highlight(t, "^2", Ports.blue); Colors(t, s);
		BenchCheck.True(4, (n = 2) & (s = "dbbddddbb"));
		BenchCheck.True(5, (OffsetAt(t, 2) = 3 * Fonts.point) & (OffsetAt(t, 8) = 3 * Fonts.point) & (OffsetAt(t, 1) = 0));
		t := NewText("aaaa"); n := BenchTextColor.Highlight(t, "aaa", Ports.red); Colors(t, s);
		BenchCheck.True(6, (n = 1) & (s = "rrrd"))
	END Run;

END BenchTextColorTest.
