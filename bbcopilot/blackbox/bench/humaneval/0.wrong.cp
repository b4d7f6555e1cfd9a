MODULE BenchHe0;

	PROCEDURE HasCloseElements* (IN numbers: ARRAY OF REAL; threshold: REAL): BOOLEAN;
		VAR i: INTEGER;
	BEGIN
		FOR i := 1 TO LEN(numbers) - 1 DO
			IF ABS(numbers[i] - numbers[i - 1]) < threshold THEN RETURN TRUE END
		END;
		RETURN FALSE
	END HasCloseElements;

END BenchHe0.
