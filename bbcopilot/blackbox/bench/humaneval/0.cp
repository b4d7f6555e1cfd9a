MODULE BenchHe0;

	PROCEDURE HasCloseElements* (IN numbers: ARRAY OF REAL; threshold: REAL): BOOLEAN;
		VAR i, j: INTEGER;
	BEGIN
		FOR i := 0 TO LEN(numbers) - 1 DO
			FOR j := i + 1 TO LEN(numbers) - 1 DO
				IF ABS(numbers[i] - numbers[j]) < threshold THEN RETURN TRUE END
			END
		END;
		RETURN FALSE
	END HasCloseElements;

END BenchHe0.
