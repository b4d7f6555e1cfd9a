MODULE BenchDrawView;

	IMPORT Fonts, Ports, Views;

	TYPE
		View* = POINTER TO RECORD (Views.View)
			label-: ARRAY 64 OF CHAR;
			color-: Ports.Color
		END;

	PROCEDURE (v: View) Restore* (f: Views.Frame; l, t, r, b: INTEGER);
	BEGIN
	END Restore;

	PROCEDURE New* (IN label: ARRAY OF CHAR; color: Ports.Color): View;
	BEGIN
		RETURN NIL
	END New;

END BenchDrawView.
