MODULE BenchHe61;

	PROCEDURE CorrectBracketing* (IN brackets: ARRAY OF CHAR): BOOLEAN;
		VAR i, depth: INTEGER;
	BEGIN
		depth := 0;
		FOR i := 0 TO LEN(brackets$) - 1 DO
			IF brackets[i] = "(" THEN INC(depth) ELSIF brackets[i] = ")" THEN DEC(depth) END;
			IF depth < 0 THEN RETURN FALSE END
		END;
		RETURN TRUE
	END CorrectBracketing;

END BenchHe61.
