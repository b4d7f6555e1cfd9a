MODULE BenchHe43;

	PROCEDURE PairsSumToZero* (IN l: ARRAY OF INTEGER): BOOLEAN;
		VAR i, j: INTEGER;
	BEGIN
		FOR i := 0 TO LEN(l) - 1 DO
			FOR j := i TO LEN(l) - 1 DO
				IF l[i] + l[j] = 0 THEN RETURN TRUE END
			END
		END;
		RETURN FALSE
	END PairsSumToZero;

END BenchHe43.
