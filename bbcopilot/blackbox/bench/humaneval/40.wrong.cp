MODULE BenchHe40;

	PROCEDURE TriplesSumToZero* (IN l: ARRAY OF INTEGER): BOOLEAN;
		VAR i, j, k: INTEGER;
	BEGIN
		FOR i := 0 TO LEN(l) - 1 DO
			FOR j := i TO LEN(l) - 1 DO
				FOR k := j TO LEN(l) - 1 DO
					IF l[i] + l[j] + l[k] = 0 THEN RETURN TRUE END
				END
			END
		END;
		RETURN FALSE
	END TriplesSumToZero;

END BenchHe40.
