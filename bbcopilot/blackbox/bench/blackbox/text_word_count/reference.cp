MODULE BenchTextWords;

	IMPORT TextModels;

	PROCEDURE IsBlank (ch: CHAR): BOOLEAN;
	BEGIN
		RETURN (ch = " ") OR (ch = TextModels.tab) OR (ch = TextModels.line) OR (ch = TextModels.para)
	END IsBlank;

	PROCEDURE CountWords* (t: TextModels.Model): INTEGER;
		VAR r: TextModels.Reader; ch: CHAR; n: INTEGER; inWord: BOOLEAN;
	BEGIN
		n := 0; inWord := FALSE;
		r := t.NewReader(NIL); r.SetPos(0); r.ReadChar(ch);
		WHILE ~r.eot DO
			IF IsBlank(ch) THEN inWord := FALSE
			ELSIF ~inWord THEN inWord := TRUE; INC(n)
			END;
			r.ReadChar(ch)
		END;
		RETURN n
	END CountWords;

END BenchTextWords.
