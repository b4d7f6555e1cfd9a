MODULE BenchTextColor;

	IMPORT Ports, TextModels;

	PROCEDURE Highlight* (t: TextModels.Model; IN word: ARRAY OF CHAR; color: Ports.Color): INTEGER;
	BEGIN
		RETURN 0
	END Highlight;

END BenchTextColor.
