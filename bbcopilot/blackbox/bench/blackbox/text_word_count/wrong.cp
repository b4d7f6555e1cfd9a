MODULE BenchTextWords;

	IMPORT TextModels;

	(* Lines end with LF and CR as in a file: but a BlackBox text separates lines with TextModels.line. *)
	PROCEDURE CountWords* (t: TextModels.Model): INTEGER;
		VAR r: TextModels.Reader; ch: CHAR; n: INTEGER; inWord: BOOLEAN;
	BEGIN
		n := 0; inWord := FALSE;
		r := t.NewReader(NIL); r.ReadChar(ch);
		WHILE ~r.eot DO
			IF (ch = " ") OR (ch = 0AX) OR (ch = 9X) THEN inWord := FALSE
			ELSIF ~inWord THEN inWord := TRUE; INC(n)
			END;
			r.ReadChar(ch)
		END;
		RETURN n
	END CountWords;

END BenchTextWords.
