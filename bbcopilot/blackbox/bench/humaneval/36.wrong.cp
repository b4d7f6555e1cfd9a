MODULE BenchHe36;

	PROCEDURE FizzBuzz* (n: INTEGER): INTEGER;
		VAR i, k, count: INTEGER;
	BEGIN
		count := 0;
		FOR i := 0 TO n DO
			IF (i MOD 11 = 0) OR (i MOD 13 = 0) THEN
				k := i;
				WHILE k > 0 DO
					IF k MOD 10 = 7 THEN INC(count) END;
					k := k DIV 10
				END
			END
		END;
		RETURN count
	END FizzBuzz;

END BenchHe36.
