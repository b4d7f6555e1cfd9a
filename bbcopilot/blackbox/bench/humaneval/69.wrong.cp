MODULE BenchHe69;

	PROCEDURE Search* (IN lst: ARRAY OF INTEGER): INTEGER;
		VAR i, j, frequency, best: INTEGER;
	BEGIN
		best := -1;
		FOR i := 0 TO LEN(lst) - 1 DO
			IF lst[i] > best THEN
				frequency := 0;
				FOR j := 0 TO LEN(lst) - 1 DO
					IF lst[j] = lst[i] THEN INC(frequency) END
				END;
				IF frequency > lst[i] THEN best := lst[i] END
			END
		END;
		RETURN best
	END Search;

END BenchHe69.
