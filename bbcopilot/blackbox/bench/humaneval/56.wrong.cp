MODULE BenchHe56;

	PROCEDURE CorrectBracketing* (IN brackets: ARRAY OF CHAR): BOOLEAN;
		VAR i, depth: INTEGER;
	BEGIN
		depth := 0; i := 0;
		WHILE brackets[i] # 0X DO
			IF brackets[i] = "<" THEN INC(depth) ELSIF brackets[i] = ">" THEN DEC(depth) END;
			INC(i)
		END;
		RETURN depth = 0
	END CorrectBracketing;

END BenchHe56.
